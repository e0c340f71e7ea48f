export declare const NODE_VERSION: string;
export declare const NODE_PACKAGE: string;
export declare const node24Path: string;
export declare function installNode24(): string;
