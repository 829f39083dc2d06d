import { describe, expect, it } from "vitest";
import { decodeText, readText } from "./textfile";

const bytes = (...b: number[]) => new Uint8Array(b);
const utf8 = (s: string) => new TextEncoder().encode(s);

describe("decodeText", () => {
  it("reads UTF-8, with or without Excel's BOM", () => {
    expect(decodeText(utf8("MRN,Name\n1001,Muñoz\n"))).toBe("MRN,Name\n1001,Muñoz\n");
    expect(decodeText(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8("Appt Time")]))).toBe("Appt Time");
  });

  it("reads UTF-16 by its BOM (Excel's “Unicode text”)", () => {
    expect(decodeText(bytes(0xff, 0xfe, 0x41, 0, 0x09, 0, 0xf1, 0))).toBe("A\tñ");
    expect(decodeText(bytes(0xfe, 0xff, 0, 0x41, 0, 0x09, 0, 0xf1))).toBe("A\tñ");
  });

  it("reads bytes that are not UTF-8 as Windows-1252, not as replacement characters", () => {
    // "Muñoz" and "é" as an older Windows export writes them.
    expect(decodeText(bytes(0x4d, 0x75, 0xf1, 0x6f, 0x7a, 0x2c, 0xe9))).toBe("Muñoz,é");
  });

  it("reads a chosen file", async () => {
    expect(await readText(new File([utf8("a,b\n")], "x.csv"))).toBe("a,b\n");
  });
});
