/**
 * HS chapters run 01 to 97; 77 is reserved for future use and 00, 98, 99 are national-only.
 * One pattern serves validation here and the JSON Schemas, so the two cannot drift.
 */
const HS_CHAPTER = '(?:0[1-9]|[1-6][0-9]|7[0-689]|8[0-9]|9[0-7])';

/** 6 international digits (chapter, heading, subheading) plus up to 4 national ones. */
export const HS_CODE_PATTERN = new RegExp(`^${HS_CHAPTER}[0-9]{4,8}$`);

/** A chapter, heading or longer prefix, as used by subscription filters. */
export const HS_PREFIX_PATTERN = new RegExp(`^${HS_CHAPTER}[0-9]{0,8}$`);

export function isValidHsCode(code: string): boolean {
  return typeof code === 'string' && HS_CODE_PATTERN.test(code);
}

export function isValidHsPrefix(prefix: string): boolean {
  return typeof prefix === 'string' && HS_PREFIX_PATTERN.test(prefix);
}

/** The two-digit chapter of a code or prefix, or undefined when it is not a valid one. */
export function hsChapter(code: string): string | undefined {
  return isValidHsPrefix(code) ? code.slice(0, 2) : undefined;
}
