// The one runtime bundle of the package (dist/lib/gencove-core.js): @gencove/core plus the few
// library entry points the nodes use directly, so that every dependency is inlined only once.

export * from '@gencove/core';
export { request } from 'undici';
