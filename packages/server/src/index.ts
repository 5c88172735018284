export { loadConfig, type ServerConfig } from './config.js';
export { type RunningHubgate, startHubgate } from './start-hubgate.js';
