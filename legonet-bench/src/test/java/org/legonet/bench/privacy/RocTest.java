package org.legonet.bench.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.legonet.core.util.Rng;

/** AUC, its bootstrap interval, TPR at a fixed FPR and the ROC curve on cases computed by hand. */
class RocTest {
    @Test
    void aucCountsThePairsAPositiveWinsAndHalfTheTies() {
        assertThat(new Roc(new double[] {3, 4}, new double[] {1, 2}).auc()).isEqualTo(1.0);
        assertThat(new Roc(new double[] {1, 2}, new double[] {3, 4}).auc()).isEqualTo(0.0);
        // 1 beats nothing, 3 beats 2: 1 of 4 pairs
        assertThat(new Roc(new double[] {1, 3}, new double[] {2, 4}).auc()).isEqualTo(0.25);
        // every score equal: chance exactly
        assertThat(new Roc(new double[] {5, 5, 5}, new double[] {5, 5}).auc()).isEqualTo(0.5);
        // 2 ties with one negative of three and beats one: (1 + 0.5) / 3
        assertThat(new Roc(new double[] {2}, new double[] {1, 2, 3}).auc()).isEqualTo(0.5);
        assertThat(new Roc(new double[] {2, 2}, new double[] {1, 2, 3}).auc()).isCloseTo(1.5 / 3, within(1e-12));
    }

    @Test
    void tprAtAFixedFprTakesTheBestThresholdWithinIt() {
        // positives 10..1, negatives 9.5 and 0: at FPR 0 only 10 is above every negative
        double[] pos = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
        double[] neg = {9.5, 0};
        Roc roc = new Roc(pos, neg);
        assertThat(roc.tprAt(0.0)).isEqualTo(0.1);
        assertThat(roc.tprAt(0.49)).isEqualTo(0.1);
        assertThat(roc.tprAt(0.5)).isEqualTo(1.0);
        assertThat(roc.auc()).isCloseTo((1 * 2 + 9 * 1) / 20.0, within(1e-12));
    }

    @Test
    void theCurveRunsFromNothingToEverythingOnePointPerDistinctScore() {
        Roc roc = new Roc(new double[] {3, 1}, new double[] {2, 1});
        List<double[]> c = roc.curve();
        assertThat(c).hasSize(4); // (0,0), >=3, >=2, >=1 (a tie group of one positive and one negative)
        assertThat(c.get(0)).containsExactly(0, 0);
        assertThat(c.get(1)).containsExactly(0, 0.5);
        assertThat(c.get(2)).containsExactly(0.5, 0.5);
        assertThat(c.get(3)).containsExactly(1, 1);
    }

    @Test
    void thinningKeepsTheEndsAndAtMostAFewHundredPoints() {
        Rng rng = new Rng(3);
        double[] pos = new double[3000];
        double[] neg = new double[3000];
        for (int i = 0; i < pos.length; i++) {
            pos[i] = rng.nextGaussian() + 0.5;
            neg[i] = rng.nextGaussian();
        }
        Roc roc = new Roc(pos, neg);
        List<double[]> thin = roc.curve(0.02);
        assertThat(roc.curve().size()).isGreaterThan(3000);
        assertThat(thin.size()).isBetween(20, 420);
        assertThat(thin.get(0)).containsExactly(0, 0);
        assertThat(thin.get(thin.size() - 1)).containsExactly(1, 1);
    }

    @Test
    void theBootstrapIntervalIsSeededAndBracketsTheAuc() {
        Rng rng = new Rng(11);
        double[] pos = new double[400];
        double[] neg = new double[500];
        for (int i = 0; i < pos.length; i++) {
            pos[i] = rng.nextGaussian() + 0.5;
        }
        for (int i = 0; i < neg.length; i++) {
            neg[i] = rng.nextGaussian();
        }
        Roc roc = new Roc(pos, neg);
        Roc.Interval a = roc.bootstrap(1000, 0.95, 7);
        assertThat(roc.bootstrap(1000, 0.95, 7)).isEqualTo(a);
        assertThat(roc.bootstrap(1000, 0.95, 8)).isNotEqualTo(a);
        assertThat(a.low()).isLessThan(roc.auc());
        assertThat(a.high()).isGreaterThan(roc.auc());
        // the standard error of an AUC near 0.64 with these set sizes is about 0.018: the interval is about 4 of them
        assertThat(a.high() - a.low()).isBetween(0.04, 0.10);
        // perfectly separated sets stay separated in every resample
        Roc.Interval sure = new Roc(new double[] {5, 6, 7}, new double[] {1, 2}).bootstrap(200, 0.95, 1);
        assertThat(sure).isEqualTo(new Roc.Interval(1.0, 1.0));
    }

    @Test
    void quantilesInterpolateBetweenRanks() {
        double[] s = {0, 1, 2, 3, 4};
        assertThat(Roc.quantile(s, 0.5)).isEqualTo(2.0);
        assertThat(Roc.quantile(s, 0.125)).isEqualTo(0.5);
        assertThat(Roc.quantile(s, 1.0)).isEqualTo(4.0);
    }

    @Test
    void misuseIsRefusedWithTheValues() {
        assertThatThrownBy(() -> new Roc(new double[0], new double[] {1})).hasMessageContaining("0 positives");
        assertThatThrownBy(() -> new Roc(new double[] {Double.NaN}, new double[] {1})).hasMessageContaining("NaN");
        Roc roc = new Roc(new double[] {1}, new double[] {0});
        assertThatThrownBy(() -> roc.bootstrap(0, 0.95, 1)).hasMessageContaining("0 and 0.95");
    }
}
