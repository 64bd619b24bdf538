// A static chain and address book under which tests/vectors/records.json's receipts are genuine.
import { toHex } from '../src/bytes.js';
import { slugWord } from '../src/eip712.js';
import { BATCH_ANCHORED_TOPIC } from '../src/chain.js';

export function recordsWorld(records) {
  const rc = records.receipts[0];
  const book = {
    format: 'gridledger-address-book/1',
    chain_id: records.domain.chain_id,
    membership: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
    registry: records.domain.registry,
    grants: '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0',
    deployment_block: 1,
    deployer: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
    deployed_at: 1799999000,
    artifacts: {},
  };
  const chain = {
    chain_id: records.domain.chain_id,
    batches: {
      [rc.batch.id]: {
        root: rc.batch.root, org: 'rc-sunshine', anchorer: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
        size: rc.inclusion.tree_size, anchored_at: rc.anchor.anchored_at, block_number: rc.anchor.block_number,
      },
    },
    transactions: {
      [rc.anchor.tx_hash]: {
        status: 1, block_number: rc.anchor.block_number,
        logs: [{ address: records.domain.registry, topics: [BATCH_ANCHORED_TOPIC, rc.batch.id, rc.batch.root, toHex(slugWord('rc-sunshine'))], data: '0x' }],
      },
    },
    memberships: { [records.committer]: [{ from_block: 5, org: 'rc-sunshine', roles: 2 }] },
  };
  return { book, chain };
}
