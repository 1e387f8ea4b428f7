DROP TABLE status_pages;
