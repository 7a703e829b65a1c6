#include <gtest/gtest.h>

#include <string>

#include "rw/common/error.hpp"
#include "rw/detect/labels.hpp"

namespace rw::detect {
namespace {

std::string selection_error(std::string_view spec, const std::vector<std::string> &labels) {
  try {
    parse_class_selection(spec, labels);
  } catch (const Error &e) {
    return e.what();
  }
  return "no error";
}

std::vector<int> selected(const std::vector<bool> &mask) {
  std::vector<int> ids;
  for (std::size_t i = 0; i < mask.size(); ++i) {
    if (mask[i]) ids.push_back(static_cast<int>(i));
  }
  return ids;
}

TEST(Labels, Coco) {
  const auto &labels = coco_labels();
  ASSERT_EQ(labels.size(), 80u);
  EXPECT_EQ(labels[0], "person");
  EXPECT_EQ(labels[2], "car");
  EXPECT_EQ(labels[3], "motorcycle");
  EXPECT_EQ(labels[5], "bus");
  EXPECT_EQ(labels[7], "truck");
  EXPECT_EQ(labels[9], "traffic light");
  EXPECT_EQ(labels[62], "tv");
  EXPECT_EQ(labels[79], "toothbrush");
}

TEST(Labels, ParsesLabelsAndIds) {
  const auto &coco = coco_labels();
  EXPECT_EQ(selected(parse_class_selection("car,motorcycle,bus,truck", coco)),
            (std::vector<int>{2, 3, 5, 7}));
  EXPECT_EQ(selected(parse_class_selection(" car , motorcycle,bus ,7 ", coco)),
            (std::vector<int>{2, 3, 5, 7}));
  EXPECT_EQ(selected(parse_class_selection("7,0,79", coco)), (std::vector<int>{0, 7, 79}));
  EXPECT_EQ(selected(parse_class_selection("Traffic Light,CAR", coco)), (std::vector<int>{2, 9}));
  EXPECT_EQ(parse_class_selection("car", coco).size(), 80u);
}

TEST(Labels, ExactCaseWinsOverCaseInsensitive) {
  const std::vector<std::string> labels{"Car", "car", "bus"};
  EXPECT_EQ(selected(parse_class_selection("car", labels)), (std::vector<int>{1}));
  EXPECT_EQ(selected(parse_class_selection("Car", labels)), (std::vector<int>{0}));
  EXPECT_EQ(selected(parse_class_selection("CAR", labels)), (std::vector<int>{0}));
}

// An empty mask means every class the model has, even beyond the label list.
TEST(Labels, EmptyOrAllSpecSelectsEveryClass) {
  for (const std::string_view spec : {"", "   ", "all", " ALL "}) {
    EXPECT_TRUE(parse_class_selection(spec, coco_labels()).empty()) << spec;
  }
}

TEST(Labels, UnknownLabelNamesIt) {
  const std::string error = selection_error("car, spaceship", coco_labels());
  EXPECT_NE(error.find("unknown class 'spaceship'"), std::string::npos) << error;
  EXPECT_NE(error.find("label"), std::string::npos) << error;
}

TEST(Labels, OutOfRangeId) {
  EXPECT_EQ(selection_error("car,80", coco_labels()), "class id 80 is out of range 0..79");
  EXPECT_EQ(selection_error("99999999999999999999999", coco_labels()),
            "class id 99999999999999999999999 is out of range 0..79");
  // Not an id: a negative number is looked up as a label.
  EXPECT_NE(selection_error("-1", coco_labels()).find("unknown class '-1'"), std::string::npos);
}

TEST(Labels, EmptyEntryThrows) {
  EXPECT_NE(selection_error("car,,bus", coco_labels()), "no error");
  EXPECT_NE(selection_error("car,", coco_labels()), "no error");
}

TEST(Labels, LabelFor) {
  EXPECT_EQ(label_for(2, coco_labels()), "car");
  EXPECT_EQ(label_for(80, coco_labels()), "class-80");
  EXPECT_EQ(label_for(-1, coco_labels()), "class--1");
  EXPECT_EQ(label_for(0, {}), "class-0");
}

TEST(Labels, LoadsFileTrimmingSpacesAndTrailingBlankLines) {
  EXPECT_EQ(load_labels(RW_TEST_DATA_DIR "/labels.txt"),
            (std::vector<std::string>{"car", "truck", "bus"}));
}

TEST(Labels, MissingOrEmptyFileThrows) {
  const std::string missing = RW_TEST_DATA_DIR "/no_such_labels.txt";
  try {
    load_labels(missing);
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_EQ(std::string(e.what()), "label file '" + missing + "' cannot be read");
  }
  EXPECT_THROW(load_labels("/dev/null"), Error);
}

}  // namespace
}  // namespace rw::detect
