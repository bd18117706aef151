export declare const WEB_OUT_DIR: string
export declare function buildExplorer (opts?: { outDir?: string, minify?: boolean }): Promise<Record<string, { bytes: number, gzipBytes: number }>>
