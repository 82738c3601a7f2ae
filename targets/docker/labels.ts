// The labels live in engine/ (shared with backup/); the Swarm target's files import them through here.
export { ADMIN_PORT_NAME, LABEL, projectFilter } from '../../engine/labels.js';
