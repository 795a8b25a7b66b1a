import { type Azurite, describeSinkConformance, startAzurite } from '@cxarchive/testkit';
import { afterAll, beforeAll } from 'vitest';
import { makeSink, serviceOf } from '../test-support/azurite.js';

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(() => azurite?.stop());

const setup = (prefix?: string) => async () => {
  const { sink, container } = await makeSink(azurite, prefix === undefined ? {} : { extra: { prefix } });
  return {
    sink,
    ...(prefix === undefined ? {} : { prefix }),
    cleanup: async () => {
      await serviceOf(azurite).getContainerClient(container).delete();
    },
  };
};

describeSinkConformance('azure (Azurite)', setup());
describeSinkConformance('azure (Azurite) with a prefix', setup('archive/tenant-a/'), {
  boundedMemoryBodySize: 16 * 1024 * 1024,
});
