/** The sandbox's people: an admin and a member of one organization, and an admin of a second. */
export interface DemoUser {
  sub: string;
  name: string;
  email: string;
  org_id: string;
  /** the organization's display name (AuthKit sends it as a custom claim) */
  org_name: string;
  role: 'admin' | 'member';
  /** their simulated GitHub login */
  githubLogin: string;
}

export const demoUsers: DemoUser[] = [
  {
    sub: 'user_ada',
    name: 'Ada Admin',
    email: 'ada@tisket.example',
    org_id: 'org_01TISKET',
    org_name: 'Tisket Team',
    role: 'admin',
    githubLogin: 'ada',
  },
  {
    sub: 'user_bob',
    name: 'Bob Member',
    email: 'bob@tisket.example',
    org_id: 'org_01TISKET',
    org_name: 'Tisket Team',
    role: 'member',
    githubLogin: 'bob',
  },
  {
    sub: 'user_cyd',
    name: 'Cyd Admin',
    email: 'cyd@acme.example',
    org_id: 'org_02ACME',
    org_name: 'Acme Corp',
    role: 'admin',
    githubLogin: 'cyd',
  },
];
