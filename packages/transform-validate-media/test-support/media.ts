// Minimal real files of each type, built byte by byte from their specifications (or committed, for
// the types that need an encoder: fixtures/). Every one opens in the usual tools.
import { readFileSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';

const u32be = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

/** A 1×1 grey PNG: signature, IHDR, IDAT, IEND, each with its CRC. */
export const png = (): Buffer => {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    return Buffer.concat([u32be(data.length), body, u32be(crc32(body))]);
  };
  const ihdr = Buffer.concat([u32be(1), u32be(1), Buffer.from([8, 0, 0, 0, 0])]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.from([0, 0x80]))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
};

/** A 1×1 GIF89a (header, screen descriptor, colour table, image, trailer). */
export const gif = (): Buffer =>
  Buffer.from('4749463839610100010080000000000000ffffff2c00000000010001000002024401003b', 'hex');

/** A PCM WAV: mono, 8 kHz, 16-bit, `samples` samples of a quiet square wave. */
export const wav = (samples = 800): Buffer => {
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) data.writeInt16LE(i % 40 < 20 ? 1000 : -1000, i * 2);
  const fmt = Buffer.alloc(16);
  fmt.writeUInt16LE(1, 0); // PCM
  fmt.writeUInt16LE(1, 2); // mono
  fmt.writeUInt32LE(8000, 4);
  fmt.writeUInt32LE(16000, 8); // byte rate
  fmt.writeUInt16LE(2, 12); // block align
  fmt.writeUInt16LE(16, 14); // bits per sample
  const le = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  return Buffer.concat([
    Buffer.from('RIFF'),
    le(4 + 8 + fmt.length + 8 + data.length),
    Buffer.from('WAVEfmt '),
    le(fmt.length),
    fmt,
    Buffer.from('data'),
    le(data.length),
    data,
  ]);
};

/** A one-page PDF saying `text`, with a correct cross-reference table. */
export const pdf = (text = 'Signed form', padding = 0): Buffer => {
  const stream = `BT /F1 18 Tf 40 90 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let body = '%PDF-1.4\n';
  if (padding > 0) body += `%${'x'.repeat(padding)}\n`;
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(Buffer.byteLength(body, 'latin1'));
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = Buffer.byteLength(body, 'latin1');
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
};

/** A zip of stored (uncompressed) entries, in the given order, with its central directory. */
export const zip = (entries: readonly { readonly name: string; readonly data: Buffer }[]): Buffer => {
  const le16 = (n: number) => {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(n);
    return b;
  };
  const le32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n >>> 0);
    return b;
  };
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const fileName = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const common = [
      le16(20),
      le16(0),
      le16(0),
      le16(0),
      le16(0x21),
      le32(crc),
      le32(data.length),
      le32(data.length),
    ];
    const local = Buffer.concat([
      le32(0x04034b50),
      ...common,
      le16(fileName.length),
      le16(0),
      fileName,
      data,
    ]);
    centrals.push(
      Buffer.concat([
        le32(0x02014b50),
        le16(20),
        ...common,
        le16(fileName.length),
        le16(0),
        le16(0),
        le16(0),
        le16(0),
        le32(0),
        le32(offset),
        fileName,
      ]),
    );
    locals.push(local);
    offset += local.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.concat([
    le32(0x06054b50),
    le16(0),
    le16(0),
    le16(entries.length),
    le16(entries.length),
    le32(directory.length),
    le32(offset),
    le16(0),
  ]);
  return Buffer.concat([...locals, directory, end]);
};

const CONTENT_TYPES = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`;
const RELS = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`;
const DOCUMENT = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Invoice 2026-11</w:t></w:r></w:p></w:body></w:document>`;

/** A one-paragraph Word document (OOXML): [Content_Types].xml, the package relationships, the body. */
export const docx = (): Buffer =>
  zip([
    { name: '[Content_Types].xml', data: Buffer.from(CONTENT_TYPES) },
    { name: '_rels/.rels', data: Buffer.from(RELS) },
    { name: 'word/document.xml', data: Buffer.from(DOCUMENT) },
  ]);

/** A plain zip that is no Office document. */
export const plainZip = (): Buffer => zip([{ name: 'notes/readme.md', data: Buffer.from('# notes\n') }]);

/**
 * An empty Compound File Binary container (MS-CFB version 3: header, one FAT sector, one directory
 * sector holding the root entry): the container of Office 97–2003 files such as .doc.
 */
export const cfb = (): Buffer => {
  const sector = 512;
  const header = Buffer.alloc(sector, 0);
  Buffer.from('d0cf11e0a1b11ae1', 'hex').copy(header, 0);
  header.writeUInt16LE(0x003e, 24); // minor version
  header.writeUInt16LE(0x0003, 26); // major version 3
  header.writeUInt16LE(0xfffe, 28); // byte order
  header.writeUInt16LE(9, 30); // sector shift: 512
  header.writeUInt16LE(6, 32); // mini sector shift: 64
  header.writeUInt32LE(1, 44); // FAT sectors
  header.writeUInt32LE(1, 48); // first directory sector
  header.writeUInt32LE(4096, 56); // mini stream cutoff
  header.writeUInt32LE(0xfffffffe, 60); // first mini FAT sector: none
  header.writeUInt32LE(0, 64);
  header.writeUInt32LE(0xfffffffe, 68); // first DIFAT sector: none
  header.writeUInt32LE(0, 72);
  header.writeUInt32LE(0, 76); // DIFAT[0]: the FAT is sector 0
  for (let i = 1; i < 109; i++) header.writeUInt32LE(0xffffffff, 76 + i * 4);
  const fat = Buffer.alloc(sector, 0xff);
  fat.writeUInt32LE(0xfffffffd, 0); // sector 0: FAT
  fat.writeUInt32LE(0xfffffffe, 4); // sector 1: directory, end of chain
  const directory = Buffer.alloc(sector, 0);
  const name = Buffer.from('Root Entry\0', 'utf16le');
  name.copy(directory, 0);
  directory.writeUInt16LE(name.length, 64);
  directory.writeUInt8(5, 66); // root storage
  directory.writeUInt8(1, 67); // black
  directory.writeUInt32LE(0xffffffff, 68); // left sibling
  directory.writeUInt32LE(0xffffffff, 72); // right sibling
  directory.writeUInt32LE(0xffffffff, 76); // child
  directory.writeUInt32LE(0xfffffffe, 116); // start sector: none
  for (let entry = 1; entry < 4; entry++)
    for (const at of [68, 72, 76]) directory.writeUInt32LE(0xffffffff, entry * 128 + at);
  return Buffer.concat([header, fat, directory]);
};

/** A minimal DOS/Windows executable header ("MZ", a PE header at 0x40): what file-type calls exe. */
export const exe = (): Buffer => {
  const b = Buffer.alloc(256, 0);
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(0x40, 0x3c);
  b.write('PE\0\0', 0x40, 'latin1');
  b.writeUInt16LE(0x14c, 0x44); // i386
  return b;
};

/** A real executable of this machine (ELF). */
export const elf = (): Buffer => readFileSync('/bin/true');

/** The committed fixtures made with an encoder (fixtures/README.md says how). */
export const committed = (name: 'tiny.jpg' | 'tiny.mp3' | 'tiny.ogg'): Buffer =>
  readFileSync(new URL(`../fixtures/${name}`, import.meta.url));
