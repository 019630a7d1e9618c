package org.legonet.dl.byo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.legonet.core.LegoNetException;

/** Reading a user's model file into memory (the encoder's state holds these bytes). */
public final class ModelFile {
    private ModelFile() {
    }

    /**
     * The bytes of {@code path}.
     *
     * @throws LegoNetException when the file is missing, unreadable, empty, a directory or over 2 GB
     */
    public static byte[] read(Path path, String spec) {
        if (!Files.exists(path)) {
            throw new LegoNetException("encoder '" + spec + "': model file " + path + " does not exist");
        }
        if (Files.isDirectory(path)) {
            throw new LegoNetException("encoder '" + spec + "': " + path + " is a directory, not a model file");
        }
        try {
            long size = Files.size(path);
            if (size == 0) {
                throw new LegoNetException("encoder '" + spec + "': model file " + path + " is empty");
            }
            if (size > Integer.MAX_VALUE - 64) {
                throw new LegoNetException("encoder '" + spec + "': model file " + path + " is " + size
                        + " bytes; at most 2 GB is supported");
            }
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new LegoNetException("encoder '" + spec + "': cannot read model file " + path + ": " + e.getMessage(), e);
        }
    }
}
