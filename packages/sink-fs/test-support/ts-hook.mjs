// Lets a child `node` run this package's TypeScript sources directly (Node 22's type stripping):
// the sources import `./x.js`, which exists only as `./x.ts` until a build. Test support only.
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, next) {
    try {
      return next(specifier, context);
    } catch (error) {
      if (error?.code === 'ERR_MODULE_NOT_FOUND' && specifier.startsWith('.') && specifier.endsWith('.js'))
        return next(`${specifier.slice(0, -3)}.ts`, context);
      throw error;
    }
  },
});
