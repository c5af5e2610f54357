DROP TRIGGER IF EXISTS nearest_segment ON facilities_citizenreport;
DROP FUNCTION IF EXISTS facilities_report_nearest_segment();
