// The one runtime bundle of the package (dist/lib/gencove-core.js): @gencove/core with all its
// dependencies, inlined once and shared by every node (the nodes use no library directly).

export * from '@gencove/core';
