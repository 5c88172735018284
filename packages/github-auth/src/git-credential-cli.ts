import { answerSlot, forgetAnswer, readAnswer, rememberAnswer } from './git-credential-cache.js';

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const operation = process.argv[2];
const stdin = await readStdin();
const slot = operation === 'get' || operation === 'erase' ? answerSlot(stdin, process.env) : null;
const cached = operation === 'get' && slot ? readAnswer(slot) : null;
if (cached !== null) {
  process.stdout.write(cached);
} else {
  if (operation === 'erase' && slot) forgetAnswer(slot);
  // Loaded only when the cache cannot answer: the token machinery is most of the helper's start-up time.
  const { runGitCredential } = await import('./git-credential-main.js');
  const result = await runGitCredential(operation, { stdin, env: process.env });
  if (operation === 'get' && slot && result.exitCode === 0) rememberAnswer(slot, result.stdout);
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  process.exitCode = result.exitCode;
}
