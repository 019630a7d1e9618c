package org.legonet.core;

import java.util.List;

/**
 * Ids to forget that are not private samples of the model (never trained on, or public). Nothing
 * was changed.
 */
public class UnknownIdsException extends LegoNetException {
    private static final long serialVersionUID = 1L;
    private final List<Long> ids;

    public UnknownIdsException(List<Long> ids) {
        super("unknown sample id" + (ids.size() == 1 ? " " : "s ") + IdList.of(ids)
                + ": not a private sample of this model (public samples and ids outside the training data cannot be"
                + " forgotten); nothing was changed");
        this.ids = List.copyOf(ids);
    }

    /** The unknown ids, ascending. */
    public List<Long> ids() {
        return ids;
    }
}
