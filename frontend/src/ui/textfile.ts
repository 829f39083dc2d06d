/** The largest file the agent reads (internal/schedule ParseCSV): refused
 *  here too, before a large file is read into the window and sent over. */
export const maxTextFileBytes = 16 << 20;

/** decodeText reads the bytes of a file another program wrote. Epic and
 *  Excel write UTF-8 (often with a BOM), UTF-16 with a BOM ("Unicode text",
 *  tab-separated) or, in older exports, Windows-1252. Reading one as
 *  another garbles names with accents, and the agent could then match no
 *  patient, so: the BOM decides, then UTF-8 if the bytes are valid UTF-8,
 *  else Windows-1252. The BOM itself is dropped. */
export function decodeText(b: Uint8Array): string {
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return new TextDecoder("utf-16le").decode(b);
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return new TextDecoder("utf-16be").decode(b);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(b);
  } catch {
    return new TextDecoder("windows-1252").decode(b);
  }
}

/** readText reads a chosen file as text (see decodeText). */
export async function readText(f: Blob): Promise<string> {
  return decodeText(new Uint8Array(await f.arrayBuffer()));
}
