import { createMemoryStore } from '../../shared/store/memory-store.js';
import { storeContract } from './contract.js';

storeContract('memory', async () => {
  const store = createMemoryStore();
  return { store, cleanup: () => store.close() };
});
