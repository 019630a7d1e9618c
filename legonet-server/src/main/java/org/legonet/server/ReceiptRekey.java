package org.legonet.server;

import java.nio.file.Path;
import java.util.Map;

/**
 * Rewrites the id hashes of a model directory's receipts when its id hashes become keyed
 * ({@code legonet rekey}), so that receipts and deletion log keep naming the same samples and
 * the chain stays intact. Run it while no service holds the directory, before the model's own
 * log is rekeyed ({@code LegoNet.rekey} offers the hashes at that point).
 */
public final class ReceiptRekey {
    private ReceiptRekey() {
    }

    /**
     * Replaces every unkeyed id hash of the receipts in {@code dir} by its keyed hash in
     * {@code keyed} and chains the receipts again, atomically; a hash already keyed stays. Nothing
     * is written when a hash matches neither.
     *
     * @return the number of id hashes rewritten
     */
    public static int rewrite(Path dir, Map<String, String> keyed) {
        return ReceiptLog.rekey(dir, keyed);
    }
}
