package ai.mozaiks.workflows;

import java.io.IOException;

/** The files of one workflow, wherever they are kept: a folder, or an uploaded bundle. */
interface ManifestSource {

    boolean exists(String fileName) throws IOException;

    /** Asked before {@link #read}, so an oversized file is refused without reading it. */
    long size(String fileName) throws IOException;

    byte[] read(String fileName) throws IOException;
}
