/** Relative path (directories end in `/`) → `dir`, or `file:<size>:<inode>:<mtimeNs>`. */
export declare const snapshotTree: (root: string) => Record<string, string>;
