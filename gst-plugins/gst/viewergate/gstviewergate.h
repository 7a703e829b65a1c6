#pragma once

#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define GST_TYPE_VIEWER_GATE (gst_viewer_gate_get_type())
G_DECLARE_FINAL_TYPE(GstViewerGate, gst_viewer_gate, GST, VIEWER_GATE, GstBaseTransform)

GST_ELEMENT_REGISTER_DECLARE(viewergate);

G_END_DECLS
