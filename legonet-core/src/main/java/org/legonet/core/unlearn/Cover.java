package org.legonet.core.unlearn;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.BitSet;
import org.legonet.core.model.PrivateSet;
import org.legonet.core.util.Digests;

/**
 * Route-hiding cover (docs/privacy.md): the adapters a change retrains besides those it touches,
 * so that the retrained set no longer names the route of a forgotten or added sample.
 *
 * <p><b>The choice is a keyed pseudo-random function of the change.</b> Its seed is SHA-256 over a
 * fixed label, the model digest before the change and the id hashes ({@link Updater.History#hashId},
 * keyed when the model's id hashes are) of every id the change forgets and every id it adds, in
 * ascending id order. Someone without the id-hash key cannot predict it; the same model, change
 * and key always give the same cover. The pseudo-random stream is SHA-256 of the seed and a block
 * counter.
 *
 * <p><b>The cover is made of routes.</b> It takes the route of a retained sample drawn by the
 * stream (a decoy), adds the adapters of that route that are not retrained already, and draws
 * again until {@code count} adapters are chosen; the last decoy route may contribute only part of
 * its adapters. The retrained set is then the changed samples' routes plus decoy routes, each the
 * route of a real sample drawn the way a deletion would be, so no route in it stands out as the
 * only realistic one. When the draws run out (few retained rows, or routes inside the set already)
 * the rest are adapters drawn uniformly from those left.
 *
 * <p>Cover adapters hold no changed sample, so retraining them from scratch gives their bits
 * again (contract point 3); {@link Updater} checks that it does.
 */
public final class Cover {
    private static final String LABEL = "legonet route-hiding cover v1";

    private Cover() {
    }

    /**
     * The seed of a change's cover.
     *
     * @param digestBefore the model digest before the change
     * @param forgotten    ids the change forgets (any order; sorted here)
     * @param added        ids the change adds (any order; sorted here)
     * @param history      gives each id's hash
     */
    static byte[] seed(String digestBefore, long[] forgotten, long[] added, Updater.History history) {
        MessageDigest md = Digests.sha256();
        Digests.update(md, LABEL);
        Digests.update(md, digestBefore);
        feed(md, "forget", forgotten, history);
        feed(md, "add", added, history);
        return md.digest();
    }

    private static void feed(MessageDigest md, String part, long[] ids, Updater.History history) {
        long[] sorted = ids.clone();
        Arrays.sort(sorted);
        Digests.update(md, part);
        Digests.update(md, sorted.length);
        for (long id : sorted) {
            Digests.update(md, history.hashId(id));
        }
    }

    /**
     * Chooses the cover: {@code given} adapters outside {@code touched} first (all of them), then
     * decoy routes until the cover holds {@code count} adapters or no adapter is left.
     *
     * @param seed    from {@link #seed}
     * @param after   the private samples after the change (decoys are drawn from its retained rows)
     * @param touched the adapters the change retrains because their samples change (not modified)
     * @param count   the configured cover C
     * @param given   adapters the caller wants retrained as well (a service retraining what it
     *                masked), or an empty array
     * @return the cover adapters, ascending, none of them in {@code touched}
     */
    static int[] choose(byte[] seed, PrivateSet after, BitSet touched, int count, int[] given) {
        int n = after.adapters();
        BitSet taken = (BitSet) touched.clone();
        BitSet cover = new BitSet(n);
        for (int j : given) {
            if (!taken.get(j)) {
                taken.set(j);
                cover.set(j);
            }
        }
        int want = Math.min(count, n - touched.cardinality());
        Stream prf = new Stream(seed);
        int[] retained = after.retainedRows();
        int k = after.k();
        // bounded: a draw whose route lies inside the set already adds nothing
        int draws = retained.length == 0 ? 0 : 64 + 4 * want;
        for (int d = 0; d < draws && cover.cardinality() < want; d++) {
            int[] route = after.route(retained[prf.below(retained.length)]);
            int[] fresh = new int[k];
            int f = 0;
            for (int j : route) {
                if (!taken.get(j)) {
                    fresh[f++] = j;
                }
            }
            int room = want - cover.cardinality();
            if (f > room) {
                prf.shuffle(fresh, f, room);
                f = room;
            }
            for (int i = 0; i < f; i++) {
                taken.set(fresh[i]);
                cover.set(fresh[i]);
            }
        }
        if (cover.cardinality() < want) {
            int[] free = new int[n - taken.cardinality()];
            int f = 0;
            for (int j = taken.nextClearBit(0); j < n; j = taken.nextClearBit(j + 1)) {
                free[f++] = j;
            }
            int room = want - cover.cardinality();
            prf.shuffle(free, f, room);
            for (int i = 0; i < room; i++) {
                cover.set(free[i]);
            }
        }
        return cover.stream().toArray();
    }

    /** The pseudo-random stream: SHA-256(seed, block counter), 8 bytes per draw. */
    private static final class Stream {
        private final byte[] seed;
        private final ByteBuffer block = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        private long counter;

        Stream(byte[] seed) {
            this.seed = seed.clone();
            block.position(32);
        }

        long nextLong() {
            if (block.remaining() < 8) {
                MessageDigest md = Digests.sha256();
                md.update(seed);
                Digests.update(md, counter++);
                block.clear();
                block.put(md.digest());
                block.flip();
            }
            return block.getLong();
        }

        /** Uniform in [0, bound), by rejection (no modulo bias). */
        int below(int bound) {
            long limit = Long.MAX_VALUE - Long.MAX_VALUE % bound;
            while (true) {
                long v = nextLong() >>> 1;
                if (v < limit) {
                    return (int) (v % bound);
                }
            }
        }

        /** Moves a uniformly drawn {@code m} of the first {@code f} entries of {@code a} to its front. */
        void shuffle(int[] a, int f, int m) {
            for (int i = 0; i < m; i++) {
                int j = i + below(f - i);
                int t = a[i];
                a[i] = a[j];
                a[j] = t;
            }
        }
    }
}
