package org.legonet.bench.privacy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.LongStream;
import org.legonet.core.ChangeRecord;
import org.legonet.core.LegoNet;
import org.legonet.core.data.Dataset;
import org.legonet.core.store.Manifest;
import org.legonet.core.store.ModelStore;

/**
 * The attacker who holds the model directory and not its id key, after the forgotten ids: reads
 * {@code manifest.json}, the deletion log and the retained samples' ids (all readable without the
 * key) and tries two ways back to the ids (docs/privacy.md, "The audit"). The audit knows the true
 * forgotten ids and counts how many each way recovers.
 */
final class DirectoryExposure {
    /** Most ids of the integer range hashed; the ids of the data given are hashed beyond it. */
    static final long RANGE_CAP = 10_000_000L;

    private DirectoryExposure() {
    }

    /**
     * Attacks the directory of {@code net}.
     *
     * @param dataIds   every id of the data given (private split and test split)
     * @param forgotten the true forgotten ids (found in the data with the key)
     * @param notes     receives a note when the range is capped
     */
    static PrivacyResults.Exposure attack(LegoNet net, long[] dataIds, long[] forgotten, List<String> notes) {
        JsonNode manifest;
        try {
            manifest = new ObjectMapper().readTree(net.dir().resolve(Manifest.FILE).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Set<Long> truth = new HashSet<>();
        for (long id : forgotten) {
            truth.add(id);
        }
        long[] retained = net.retainedIds();
        return new PrivacyResults.Exposure(bruteForce(net, manifest.path("deletions").path("salt").asText(), dataIds,
                retained, truth, notes), gaps(manifest.path("dataset"), retained, truth));
    }

    /**
     * Hashes every id of the id space as an unkeyed model hashes it (SHA-256 of the directory's
     * salt and the id) and looks each hash up in the deletion log. The id space is the ids of the
     * data and the integer range from 0 to the largest id seen (data or directory), capped at
     * {@link #RANGE_CAP} ids.
     */
    static PrivacyResults.BruteForce bruteForce(LegoNet net, String salt, long[] dataIds, long[] retained,
                                                Set<Long> truth, List<String> notes) {
        long t0 = System.nanoTime();
        Set<String> log = new HashSet<>();
        for (ChangeRecord r : net.history()) {
            if (r.idHashes() != null) {
                log.addAll(r.idHashes());
            }
        }
        long max = Math.max(LongStream.of(dataIds).max().orElse(-1), LongStream.of(retained).max().orElse(-1));
        long end = Math.min(max + 1, RANGE_CAP); // the range is 0..end-1
        if (max + 1 > RANGE_CAP) {
            notes.add("the brute force hashes the ids 0.." + (RANGE_CAP - 1) + " of 0.." + max
                    + " (capped at " + RANGE_CAP + ") and the ids of the data given");
        }
        long[] outside = LongStream.of(dataIds).filter(id -> id < 0 || id >= end).sorted().distinct().toArray();
        long[] matched = LongStream.concat(LongStream.range(0, end), LongStream.of(outside)).parallel()
                .filter(id -> log.contains(ModelStore.unkeyedHashId(salt, id))).toArray();
        int recovered = (int) LongStream.of(matched).filter(truth::contains).count();
        return new PrivacyResults.BruteForce(net.keyedIdHashes() ? Manifest.KEYED : Manifest.UNKEYED, log.size(),
                end + outside.length, end - 1, max + 1 > RANGE_CAP, matched.length, recovered, truth.size(),
                (System.nanoTime() - t0) / 1e9);
    }

    /**
     * The ids of the private split at training time that the directory no longer holds. Only when
     * the recorded data spec says ids are row numbers (no id column): the private ids were then
     * public_rows..train_rows-1, as the manifest records them.
     */
    static PrivacyResults.Gaps gaps(JsonNode dataset, long[] retained, Set<Long> truth) {
        JsonNode spec = dataset.path("spec");
        if (!spec.isObject()) {
            return PrivacyResults.Gaps.notApplicable("the model records no data spec, so whether ids are row "
                    + "numbers is unknown; not applicable");
        }
        if (spec.hasNonNull("id_column")) {
            return PrivacyResults.Gaps.notApplicable("ids come from an id column; not applicable (an attacker "
                    + "would need the id list)");
        }
        long from = dataset.path("public_rows").asLong();
        long to = dataset.path("train_rows").asLong();
        int missing = 0;
        int recovered = 0;
        for (long id = from; id < to; id++) {
            if (Arrays.binarySearch(retained, id) < 0) {
                missing++;
                if (truth.contains(id)) {
                    recovered++;
                }
            }
        }
        return new PrivacyResults.Gaps(true, "ids are row numbers: the private ids were " + from + ".." + (to - 1),
                from, to, missing, recovered, missing - recovered);
    }
}
