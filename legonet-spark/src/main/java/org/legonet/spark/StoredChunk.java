package org.legonet.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.legonet.core.store.Manifest;

/**
 * What an executor reports of a chunk it wrote into a new model directory: the manifest entry
 * (file names, row count, SHA-256s) in a form Spark can carry, and the chunk's first and last id so
 * that the driver can check the chunks are in storage order (ascending id) before it commits them.
 * A chunk of a stored model handed to a verify task carries {@link Long#MIN_VALUE} for both ids
 * (not needed there).
 */
record StoredChunk(int index, int rows, String encFile, String encSha256, String rawFile, String rawSha256,
                   long firstId, long lastId) implements Serializable {
    private static final long serialVersionUID = 1L;

    static StoredChunk of(Manifest.ChunkEntry e, long firstId, long lastId) {
        return new StoredChunk(e.index(), e.rows(), e.encodings().file(), e.encodings().sha256(), e.raw().file(),
                e.raw().sha256(), firstId, lastId);
    }

    Manifest.ChunkEntry entry() {
        return new Manifest.ChunkEntry(index, rows, new Manifest.FileRef(encFile, encSha256),
                new Manifest.FileRef(rawFile, rawSha256));
    }

    static List<Manifest.ChunkEntry> entries(List<StoredChunk> chunks) {
        List<Manifest.ChunkEntry> out = new ArrayList<>(chunks.size());
        for (StoredChunk c : chunks) {
            out.add(c.entry());
        }
        return out;
    }
}
