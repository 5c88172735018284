import { execFile } from 'node:child_process';
import { formatCredentialOutput } from '@hubgate/github-auth';

export interface GitCredential {
  username: string;
  password: string;
}

/**
 * Runs git with a credential that never appears in a URL, an argument or git's config files: git asks its
 * credential helper, and the helper prints an answer rendered by the library's credential protocol code, handed
 * over in the child's environment (readable only by this user). `GIT_TERMINAL_PROMPT=0` makes a refusal an error
 * rather than a prompt; the user's and system's git config are ignored so nothing of theirs is used or stored.
 */
export function runGit(
  args: string[],
  options: {
    cwd: string;
    home: string;
    credential?: GitCredential;
    env?: Record<string, string>;
    timeoutMs?: number;
    /** `-c` settings for the remote (a tenant's host: `gitOutboundConfig`) */
    remoteConfig?: string[];
  },
): Promise<{ stdout: string; stderr: string }> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: options.home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '',
    LANG: 'C',
    ...options.env,
  };
  const config: string[] = ['-c', 'credential.helper=', '-c', 'core.hooksPath=/dev/null'];
  if (options.credential) {
    env.HUBGATE_GIT_CREDENTIAL = formatCredentialOutput({ username: options.credential.username, password: options.credential.password });
    config.push('-c', 'credential.helper=!f() { test "$1" = get && printf "%s" "$HUBGATE_GIT_CREDENTIAL"; }; f');
  }
  return new Promise((resolve, reject) => {
    execFile('git', [...config, ...(options.remoteConfig ?? []), ...args], { cwd: options.cwd, env, timeout: options.timeoutMs ?? 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new GitError(args[0] ?? 'git', (error as { code?: number }).code ?? null, stderr));
      else resolve({ stdout, stderr });
    });
  });
}

/** A failed git command; `stderr` is for the log (the logger masks token-shaped strings), never for the caller. */
export class GitError extends Error {
  override readonly name = 'GitError';
  constructor(
    readonly command: string,
    readonly exitCode: number | string | null,
    readonly stderr: string,
  ) {
    super(`git ${command} failed (exit ${exitCode}): ${stderr.trim().split('\n').slice(-2).join(' | ')}`);
  }
}
