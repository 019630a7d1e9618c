package org.legonet.core;

/** The software version, written into every manifest and reported by every front end. */
public final class Version {
    public static final String VERSION = "0.1.0";

    private Version() {
    }
}
