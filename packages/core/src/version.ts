/** Version of `@gencove/core`; sent as `Gencove-cli-version` and in the User-Agent. */
export const VERSION = '0.1.0';
