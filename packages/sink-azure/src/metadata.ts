import { err, ok, type PluginError, PluginErrors, type Result } from '@cxarchive/core';

/**
 * Azure metadata names must be C# identifiers and travel as HTTP headers (case is not kept). The
 * sink accepts names of lowercase letters, digits and `-` that start with a letter, and stores each
 * `-` as `_`: `cxarchive-key-id` → `cxarchive_key_id`, and back. Any other name is refused rather
 * than changed into something that would not come back the same.
 */
const NAME = /^[a-z][a-z0-9-]*$/;
/** Printable ASCII: what an HTTP header value carries unchanged. */
const VALUE = /^[\x20-\x7e]*$/;

export const toAzureMetadata = (
  metadata: Readonly<Record<string, string>>,
  key: string,
): Result<Record<string, string>, PluginError> => {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(metadata)) {
    if (!NAME.test(name))
      return err(
        PluginErrors.invalidInput(
          `azure sink: metadata name "${name}" of ${key} is not lowercase letters, digits and "-" starting with a letter`,
        ),
      );
    if (!VALUE.test(value) || value !== value.trim())
      return err(
        PluginErrors.invalidInput(
          `azure sink: metadata "${name}" of ${key} is not printable ASCII without surrounding spaces`,
        ),
      );
    out[name.replaceAll('-', '_')] = value;
  }
  return ok(out);
};

export const fromAzureMetadata = (
  metadata: Readonly<Record<string, string>> | undefined,
): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(metadata ?? {}))
    out[name.toLowerCase().replaceAll('_', '-')] = value;
  return out;
};
