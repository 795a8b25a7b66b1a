import { existsSync } from 'node:fs';
import path from 'node:path';
import { writeKeyFile } from '@cxarchive/codec-gzip-aes';
import { escapeControl } from '@cxarchive/core/host';
import { Args, Command } from '@oclif/core';
import { EXIT } from '../../exit-codes.js';

export default class KeysGenerate extends Command {
  static override summary = 'Create a key file holding a new random key.';
  static override description =
    `Writes 32 random bytes (from the system's CSPRNG) to <file> in the gzip-aes codec's key-file syntax, readable by its owner only (0600); a missing parent directory is created owner-only (0700). An existing file is never overwritten. Prints the key id (kek:…), which names the key in object headers and the ledger; the key itself is never printed. Point the codec at the file: key: { provider: file, path: <file> }. Keep a copy somewhere safe: without the key, nothing archived under it can be restored.
Exit status: 0 the file was created; 1 it exists already or could not be written.`;
  static override examples = ['<%= config.bin %> <%= command.id %> keys/tenant.key'];
  static override args = {
    file: Args.string({ description: 'The key file to create.', required: true }),
  };

  async run(): Promise<void> {
    const { args } = await this.parse(KeysGenerate);
    const file = path.resolve(args.file);
    const shown = escapeControl(file);
    // Checked first as well, so an existing file is refused without being read.
    if (existsSync(file)) {
      process.stderr.write(
        `${shown} already exists: a key file is never overwritten (choose another path)\n`,
      );
      this.exit(EXIT.runFailed);
    }
    let result: { keyId: string; created: boolean };
    try {
      result = await writeKeyFile(file);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      process.stderr.write(`cannot create ${shown}: ${escapeControl(reason)}\n`);
      this.exit(EXIT.runFailed);
    }
    if (!result.created) {
      process.stderr.write(
        `${shown} already exists: a key file is never overwritten (choose another path)\n`,
      );
      this.exit(EXIT.runFailed);
    }
    this.log(`created ${shown} (key id ${result.keyId})`);
  }
}
