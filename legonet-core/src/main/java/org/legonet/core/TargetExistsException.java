package org.legonet.core;

import java.nio.file.Path;

/** Saving a model where a model directory already exists, without asking to replace it. */
public class TargetExistsException extends StoreException {
    private static final long serialVersionUID = 1L;
    private final transient Path dir;

    public TargetExistsException(Path dir) {
        super(dir + " already exists; replacing it must be asked for explicitly");
        this.dir = dir;
    }

    /** The existing directory. */
    public Path dir() {
        return dir;
    }
}
