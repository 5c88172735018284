export declare const publicDir: string;
