import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/**
 * Where resume journals live by default: `$XDG_CACHE_HOME/gencove/uploads`, falling back to
 * `~/.cache/gencove/uploads`. Front ends call this with their environment; the job itself only
 * takes the folder as an option.
 */
export function defaultCacheDir(env: Record<string, string | undefined>): string {
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), '.cache');
  return join(base, 'gencove', 'uploads');
}
