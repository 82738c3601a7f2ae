// The engine adapter lives in engine/ (shared with backup/); the Swarm target's files import it through here.
export { createEngine, pingEngine } from '../../engine/engine.js';
