export declare const root: string;
export declare const appDir: string;
export declare const nodeBin: string;
export declare const n8nBin: string;
export declare const pkgDir: string;
export declare function installEngine(): void;
export declare function installCommunityPackage(userFolder: string): void;
export declare function requireBuilds(): void;
