//! CVAT for images 1.1 and CVAT for video 1.1 XML reader and writer for labelkit.
