<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>AfterUploadLinks</name>
    <message numerus="yes">
        <source>%n file(s) got no link</source>
        <translation>
            <numerusform>%n file got no link</numerusform>
            <numerusform>%n files got no link</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Copied %n link(s)</source>
        <translation>
            <numerusform>Copied %n link</numerusform>
            <numerusform>Copied %n links</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>BrowserPane</name>
    <message numerus="yes">
        <source> (and %n more)</source>
        <translation>
            <numerusform> (and %n more)</numerusform>
            <numerusform> (and %n more)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln item(s)</source>
        <translation>
            <numerusform>%Ln item</numerusform>
            <numerusform>%Ln items</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n folder(s) with everything in them</source>
        <translation>
            <numerusform>%n folder with everything in them</numerusform>
            <numerusform>%n folders with everything in them</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n object(s)</source>
        <translation>
            <numerusform>%n object</numerusform>
            <numerusform>%n objects</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n selected image(s).</source>
        <translation>
            <numerusform>%n selected image.</numerusform>
            <numerusform>%n selected images.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>(and %n more)</source>
        <translation>
            <numerusform>(and %n more)</numerusform>
            <numerusform>(and %n more)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Copied %n address(es).</source>
        <translation>
            <numerusform>Copied %n address.</numerusform>
            <numerusform>Copied %n addresses.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Copied %n presigned link(s).</source>
        <translation>
            <numerusform>Copied %n presigned link.</numerusform>
            <numerusform>Copied %n presigned links.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Copied %n public URL(s); they work only for publicly readable objects.</source>
        <translation>
            <numerusform>Copied %n public URL; they work only for publicly readable objects.</numerusform>
            <numerusform>Copied %n public URLs; they work only for publicly readable objects.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Copied %n public link(s).</source>
        <translation>
            <numerusform>Copied %n public link.</numerusform>
            <numerusform>Copied %n public links.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Deleted %n object(s).</source>
        <translation>
            <numerusform>Deleted %n object.</numerusform>
            <numerusform>Deleted %n objects.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Downloaded %n file(s).</source>
        <translation>
            <numerusform>Downloaded %n file.</numerusform>
            <numerusform>Downloaded %n files.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Moved %n object(s).</source>
        <translation>
            <numerusform>Moved %n object.</numerusform>
            <numerusform>Moved %n objects.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>HistoryCommands</name>
    <message numerus="yes">
        <source> (and %n more)</source>
        <translation>
            <numerusform> (and %n more)</numerusform>
            <numerusform> (and %n more)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n failed</source>
        <translation>
            <numerusform>%n failed</numerusform>
            <numerusform>%n failed</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Copied %n link(s) to the clipboard.</source>
        <translation>
            <numerusform>Copied %n link to the clipboard.</numerusform>
            <numerusform>Copied %n links to the clipboard.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Delete %n object(s) from the bucket? This cannot be undone.</source>
        <translation>
            <numerusform>Delete %n object from the bucket? This cannot be undone.</numerusform>
            <numerusform>Delete %n objects from the bucket? This cannot be undone.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Deleted %n object(s).</source>
        <translation>
            <numerusform>Deleted %n object.</numerusform>
            <numerusform>Deleted %n objects.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Downloaded %n file(s) to </source>
        <translation>
            <numerusform>Downloaded %n file to </numerusform>
            <numerusform>Downloaded %n files to </numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Downloading %n file(s)…</source>
        <translation>
            <numerusform>Downloading %n file…</numerusform>
            <numerusform>Downloading %n files…</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Removed %n upload(s) from the history.</source>
        <translation>
            <numerusform>Removed %n upload from the history.</numerusform>
            <numerusform>Removed %n uploads from the history.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>HistoryWindow</name>
    <message numerus="yes">
        <source>%n upload(s)</source>
        <translation>
            <numerusform>%n upload</numerusform>
            <numerusform>%n uploads</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ImageOptionsDialog</name>
    <message numerus="yes">
        <source>Image options for %n item(s)</source>
        <translation>
            <numerusform>Image options for %n item</numerusform>
            <numerusform>Image options for %n items</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>These options replace the panel's for the %n selected item(s).</source>
        <translation>
            <numerusform>These options replace the panel's for the %n selected item.</numerusform>
            <numerusform>These options replace the panel's for the %n selected items.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message numerus="yes">
        <source>%n failed</source>
        <translation>
            <numerusform>%n failed</numerusform>
            <numerusform>%n failed</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n file(s) uploaded</source>
        <translation>
            <numerusform>%n file uploaded</numerusform>
            <numerusform>%n files uploaded</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>PreviewPanel</name>
    <message numerus="yes">
        <source>(%n frames)</source>
        <translation>
            <numerusform>(%n frame)</numerusform>
            <numerusform>(%n frames)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ShareDialog</name>
    <message numerus="yes">
        <source>Share %n object(s)</source>
        <translation>
            <numerusform>Share %n object</numerusform>
            <numerusform>Share %n objects</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>TransferControls</name>
    <message numerus="yes">
        <source>%n upload(s) did not finish last time</source>
        <translation>
            <numerusform>%n upload did not finish last time</numerusform>
            <numerusform>%n uploads did not finish last time</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>to %n bucket(s)</source>
        <translation>
            <numerusform>to %n bucket</numerusform>
            <numerusform>to %n buckets</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>UploadPane</name>
    <message numerus="yes">
        <source>%n cancelled</source>
        <translation>
            <numerusform>%n cancelled</numerusform>
            <numerusform>%n cancelled</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n could not be added</source>
        <translation>
            <numerusform>%n could not be added</numerusform>
            <numerusform>%n could not be added</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n failed</source>
        <translation>
            <numerusform>%n failed</numerusform>
            <numerusform>%n failed</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Added %n file(s)</source>
        <translation>
            <numerusform>Added %n file</numerusform>
            <numerusform>Added %n files</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Adding %n item(s)…</source>
        <translation>
            <numerusform>Adding %n item…</numerusform>
            <numerusform>Adding %n items…</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Image options for %n item(s)…</source>
        <translation>
            <numerusform>Image options for %n item…</numerusform>
            <numerusform>Image options for %n items…</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Uploaded %n file(s)</source>
        <translation>
            <numerusform>Uploaded %n file</numerusform>
            <numerusform>Uploaded %n files</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Uploading %n file(s) to </source>
        <translation>
            <numerusform>Uploading %n file to </numerusform>
            <numerusform>Uploading %n files to </numerusform>
        </translation>
    </message>
</context>
</TS>
