#pragma once

#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define GST_TYPE_HOMOGRAPHY_SPEED (gst_homography_speed_get_type())
G_DECLARE_FINAL_TYPE(GstHomographySpeed, gst_homography_speed, GST, HOMOGRAPHY_SPEED,
                     GstBaseTransform)

GST_ELEMENT_REGISTER_DECLARE(homographyspeed);

G_END_DECLS
