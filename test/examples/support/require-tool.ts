/**
 * Decides whether a suite that needs an external tool runs. Missing tool: the suite is skipped with
 * a loud notice, or, when `requireVar=1` (as CI sets it), the run fails instead of skipping.
 */
export function toolAvailable(tool: string, found: boolean, requireVar: string): boolean {
  if (found) return true;
  const message = `${tool} is not installed: its example tests cannot run`;
  if (process.env[requireVar] === '1') {
    throw new Error(`${message}, and ${requireVar}=1 requires them`);
  }
  console.warn(`\n!!! SKIPPED: ${message} (set ${requireVar}=1 to fail instead) !!!\n`);
  return false;
}
