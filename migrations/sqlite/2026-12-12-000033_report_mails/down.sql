DROP TABLE report_mails;
