export declare const HEADER: string
export declare function specText(spec: unknown): string
export declare function typesFromSpec(spec: unknown): Promise<string>
