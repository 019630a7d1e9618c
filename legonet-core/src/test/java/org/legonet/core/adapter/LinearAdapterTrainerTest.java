package org.legonet.core.adapter;

/** The contract for {@code linear} adapters (one dense layer, the paper's choice). */
class LinearAdapterTrainerTest extends AdapterTrainerContractTest {
    @Override
    protected AdapterSpec spec() {
        return AdapterSpec.parse("linear");
    }

    @Override
    protected long handCountedFlopsPerSampleEpoch() {
        // 3x4 layer: 12 multiply-adds forward + 12 for the weight gradients, no input gradients
        return 2 * (12 + 12);
    }

    @Override
    protected long handCountedParameters() {
        return 3 * 4 + 4;
    }
}
