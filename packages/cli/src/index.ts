export { EXIT } from './exit-codes.js';
export { CLI_PACKAGE_DIR, setUpPipeline } from './pipeline-setup.js';
