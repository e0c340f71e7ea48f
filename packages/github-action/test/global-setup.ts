import { installNode24 } from '../scripts/install-node24.mjs';

/** Makes sure the runner's Node.js 24 is there before any test runs a bundle. */
export default function setup(): void {
  installNode24();
}
