package org.legonet.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.BitSet;
import org.junit.jupiter.api.Test;

/** Rows in storage order, adapters in id order, appends that share storage, and lookups by id. */
class PrivateSetTest {
    /** Ids 10, 20, ..., 10 n; encodings hold the id; row r routes to adapter r % 2 (k = 1). */
    private static PrivateSet set(int n) {
        long[] ids = new long[n];
        int[] labels = new int[n];
        float[] enc = new float[n];
        int[] routes = new int[n];
        for (int r = 0; r < n; r++) {
            ids[r] = 10L * (r + 1);
            enc[r] = ids[r];
            routes[r] = r % 2;
        }
        return new PrivateSet(ids, labels, enc, 1, routes, 1, new BitSet(), 2);
    }

    private static PrivateSet append(PrivateSet s, long... ids) {
        float[] enc = new float[ids.length];
        int[] routes = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            enc[i] = ids[i];
        }
        return s.withAppended(ids, new int[ids.length], enc, routes);
    }

    private static long[] idsOf(PrivateSet s, int adapter) {
        return java.util.Arrays.stream(s.members(adapter)).mapToLong(s::id).toArray();
    }

    @Test
    void appendedRowsFollowTheOthersAndEachAdapterListsItsRowsInIdOrder() {
        PrivateSet s = append(set(4), 25, 5, 100);
        assertThat(s.rows()).isEqualTo(7);
        assertThat(s.id(4)).isEqualTo(25);
        assertThat(s.id(5)).isEqualTo(5);
        assertThat(idsOf(s, 0)).containsExactly(5, 10, 25, 30, 100);
        assertThat(idsOf(s, 1)).containsExactly(20, 40);
        assertThat(s.rowOf(5)).isEqualTo(5);
        assertThat(s.rowOf(30)).isEqualTo(2);
        assertThat(s.rowOf(31)).isEqualTo(-1);
        float[] e = new float[1];
        s.copyEncoding(6, e, 0);
        assertThat(e[0]).isEqualTo(100f);
    }

    @Test
    void aForgottenIdAddedAgainIsFoundInItsNewRowOnly() {
        PrivateSet s = set(4).without(new int[] {1});
        assertThat(s.rowOf(20)).isEqualTo(-1);
        assertThatThrownBy(() -> append(s, 30)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("30");
        assertThatThrownBy(() -> append(s, 7, 7)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("repeats");
        PrivateSet back = append(s, 20);
        assertThat(back.rowOf(20)).isEqualTo(4);
        assertThat(back.isErased(1)).isTrue();
        assertThat(back.retained()).isEqualTo(4);
        assertThat(idsOf(back, 0)).containsExactly(10, 20, 30);
        PrivateSet again = back.without(new int[] {4});
        assertThat(again.rowOf(20)).isEqualTo(-1);
        assertThat(again.retainedRows()).containsExactly(0, 2, 3);
    }

    @Test
    void snapshotsStayValidWhenAnOlderOneIsAppendedTo() {
        PrivateSet base = set(3);
        PrivateSet a = append(base, 50);
        PrivateSet b = append(base, 60); // base is no longer the newest: this copies
        PrivateSet a2 = append(a, 70); // a is the newest of its storage: in place
        assertThat(base.rows()).isEqualTo(3);
        assertThat(a.rows()).isEqualTo(4);
        assertThat(a.id(3)).isEqualTo(50);
        assertThat(b.id(3)).isEqualTo(60);
        assertThat(a2.id(4)).isEqualTo(70);
        assertThat(idsOf(a, 0)).containsExactly(10, 30, 50);
        assertThat(idsOf(b, 0)).containsExactly(10, 30, 60);
        assertThat(idsOf(a2, 0)).containsExactly(10, 30, 50, 70);
        assertThat(base.rowOf(50)).isEqualTo(-1);
        assertThatThrownBy(() -> base.id(3)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void rowsWhoseIdsDoNotAscendAreIndexedByIdAndARepeatedRetainedIdIsRefused() {
        long[] ids = {30, 10, 20, 10};
        BitSet erased = new BitSet();
        erased.set(1);
        PrivateSet s = new PrivateSet(ids, new int[4], new float[4], 1, new int[4], 1, erased, 1);
        assertThat(s.rowOf(10)).isEqualTo(3);
        assertThat(idsOf(s, 0)).containsExactly(10, 20, 30);
        assertThatThrownBy(() -> new PrivateSet(ids, new int[4], new float[4], 1, new int[4], 1, new BitSet(), 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("10");
    }

    @Test
    void theBalanceRatioIsOneForEqualAdaptersAndGrowsWithDrift() {
        PrivateSet s = set(4);
        assertThat(s.balanceRatio()).isEqualTo(1.0);
        PrivateSet drifted = append(s, 1, 2, 3, 4);
        assertThat(drifted.sizes().max()).isEqualTo(6);
        // sizes 6 and 2 of 8: (36 + 4) / 8 = 5 against the ideal 8 / 2 = 4
        assertThat(drifted.balanceRatio()).isEqualTo(1.25);
    }
}
