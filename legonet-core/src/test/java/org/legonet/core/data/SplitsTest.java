package org.legonet.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.legonet.core.data.DataErrors.assertOneLineError;

import org.junit.jupiter.api.Test;

class SplitsTest {
    @Test
    void publicIsTheFirstRowsAndPrivateTheRestWithIdsKept() {
        Dataset train = rows(5);

        Splits s = Splits.of(train, 2);

        assertThat(s.publicSplit().ids()).containsExactly(0, 1);
        assertThat(s.privateSplit().ids()).containsExactly(2, 3, 4);
        assertThat(s.privateSplit().feature(0, 0)).isEqualTo(2f);
    }

    @Test
    void bothPartsMustBeNonEmpty() {
        Dataset train = rows(5);

        assertOneLineError(() -> Splits.of(train, 0), "public split size 0", "5 training rows");
        assertOneLineError(() -> Splits.of(train, 5), "public split size 5", "5 training rows");
    }

    @Test
    void defaultPublicSize() {
        assertThat(Splits.defaultPublicSize(loaded(60_000, true))).isEqualTo(10_000);
        assertThat(Splits.defaultPublicSize(loaded(20_000, true))).isEqualTo(10_000);
        assertThat(Splits.defaultPublicSize(loaded(19_999, true))).isEqualTo(3_333);
        assertThat(Splits.defaultPublicSize(loaded(30_000, false))).isEqualTo(5_000);
        assertThat(Splits.defaultPublicSize(loaded(5, false))).isEqualTo(1);
    }

    private static LoadedData loaded(int size, boolean fashionMnist) {
        return new LoadedData(rows(size), null, "synthetic", fashionMnist);
    }

    private static Dataset rows(int n) {
        float[] features = new float[n];
        for (int i = 0; i < n; i++) {
            features[i] = i;
        }
        return Dataset.withRowIds("synthetic", new int[n], features, new int[] {1});
    }
}
