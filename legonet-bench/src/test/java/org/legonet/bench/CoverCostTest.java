package org.legonet.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.legonet.core.model.Trained;
import org.legonet.core.testing.SmallModels;

/** The cost of route-hiding cover: k + C adapters per removal, more samples retrained, paired samples. */
class CoverCostTest {
    @Test
    void eachCoverRetrainsKPlusCAdaptersPerRemovalOnTheSameSamples() {
        Trained t = SmallModels.train(SmallModels.config(6), SmallModels.blobs(500, 100, 4));
        List<CoverCost> costs = CoverCost.measure(t.model(), t.data(), new int[] {0, 1, 3}, 6, 5, 2);
        assertThat(costs).extracting(CoverCost::cover).containsExactly(0, 1, 3);
        assertThat(costs).extracting(CoverCost::adaptersRetrained).containsExactly(2.0, 3.0, 5.0);
        assertThat(costs).allSatisfy(c -> {
            assertThat(c.removals()).isEqualTo(6);
            assertThat(c.p50Seconds()).isPositive().isLessThanOrEqualTo(c.p95Seconds());
        });
        // every adapter holds samples here: more adapters, more samples retrained
        assertThat(costs.get(1).samplesRetrained()).isGreaterThan(costs.get(0).samplesRetrained());
        assertThat(costs.get(2).samplesRetrained()).isGreaterThan(costs.get(1).samplesRetrained());
        // all five adapters retrained: every retained sample but the forgotten one, k times over
        assertThat(costs.get(2).samplesRetrained()).isEqualTo(2.0 * (t.data().retained() - 1));
        // the same seed draws the same samples (and the same cover), so the same counts
        assertThat(CoverCost.measure(t.model(), t.data(), new int[] {1}, 6, 5, 2).get(0).samplesRetrained())
                .isEqualTo(costs.get(1).samplesRetrained());
    }
}
