export declare const ACTIONS: string[];
export declare function bundleFiles(entry: string): Promise<string[]>;
export declare function assemble(
  action: string,
  target: string,
  options: { owner: string; version: string },
): Promise<string[]>;
