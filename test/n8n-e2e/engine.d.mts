export declare const appDir: string;
export declare const nodeBin: string;
export declare const n8nBin: string;
export declare function installEngine(log?: (message: string) => void): void;
