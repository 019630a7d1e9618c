package org.legonet.core.adapter;

/** The contract for {@code mlp:H} adapters, with a hidden width that is not a multiple of any vector length. */
class MlpAdapterTrainerTest extends AdapterTrainerContractTest {
    @Override
    protected AdapterSpec spec() {
        return AdapterSpec.parse("mlp:21");
    }

    @Override
    protected long handCountedFlopsPerSampleEpoch() {
        // 3x21 layer: forward and weight gradients; 21x4 layer: forward, weight and input gradients
        return 2 * (3 * 21 * 2 + 21 * 4 * 3);
    }

    @Override
    protected long handCountedParameters() {
        return (3 * 21 + 21) + (21 * 4 + 4);
    }
}
