package org.legonet.core.adapter;

/** The contract for adapters with two hidden layers ({@code mlp:H1,H2}). */
class DeepMlpAdapterTrainerTest extends AdapterTrainerContractTest {
    @Override
    protected AdapterSpec spec() {
        return AdapterSpec.parse("mlp:18,7");
    }

    @Override
    protected long handCountedFlopsPerSampleEpoch() {
        // 3x18: forward, weight gradients; 18x7 and 7x4: forward, weight and input gradients
        return 2 * (3 * 18 * 2 + 18 * 7 * 3 + 7 * 4 * 3);
    }

    @Override
    protected long handCountedParameters() {
        return (3 * 18 + 18) + (18 * 7 + 7) + (7 * 4 + 4);
    }
}
