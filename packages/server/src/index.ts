export { type RunningHubgate, type StartOptions, startHubgate } from './compose/start-hubgate.js';
export { ConfigError, loadConfig, type ServerConfig } from './config.js';
